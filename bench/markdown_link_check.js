// Runs markdown-link-check (the npm package, through its library API) over every Markdown file
// of a tree, offline: http(s), mailto and protocol-relative links are ignored, so nothing is
// fetched; "/x" links are read from the tree's root, as GitHub does.
// Usage: node bench/markdown_link_check.js ROOT  ->  one JSON line per dead link: {"file", "link"}
"use strict";

const fs = require("fs");
const path = require("path");
const { pathToFileURL } = require("url");
const markdownLinkCheck = require("markdown-link-check");

const root = path.resolve(process.argv[2]);
const SKIP = new Set([".git", "node_modules"]);

function* markdownFiles(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isDirectory() && !SKIP.has(entry.name)) yield* markdownFiles(path.join(dir, entry.name));
    else if (entry.isFile() && /\.(md|markdown|mdx)$/i.test(entry.name)) yield path.join(dir, entry.name);
  }
}

function check(file) {
  const options = {
    baseUrl: pathToFileURL(path.dirname(file)).href + "/",
    projectBaseUrl: pathToFileURL(root).href,
    ignorePatterns: [{ pattern: "^(https?|ftp|mailto|tel):" }, { pattern: "^//" }],
    replacementPatterns: [{ pattern: "^/", replacement: "{{BASEURL}}/" }],
  };
  return new Promise((resolve) => {
    markdownLinkCheck(fs.readFileSync(file, "utf8"), options, (err, results) => {
      if (err) {
        process.stdout.write(JSON.stringify({ file: path.relative(root, file), error: String(err) }) + "\n");
        resolve();
        return;
      }
      for (const result of results) {
        if (result.status === "dead" || result.status === "error") {
          process.stdout.write(JSON.stringify({ file: path.relative(root, file), link: result.link }) + "\n");
        }
      }
      resolve();
    });
  });
}

(async () => {
  for (const file of markdownFiles(root)) await check(file);
})();
