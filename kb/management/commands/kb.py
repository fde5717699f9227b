from kb.management.dispatch import SubcommandDispatcher


class Command(SubcommandDispatcher):
    help = "Glacier knowledge base: sync, reindex, search, compact."
    subcommand_package = "kb.management.subcommands"
