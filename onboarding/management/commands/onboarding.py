from kb.management.dispatch import SubcommandDispatcher


class Command(SubcommandDispatcher):
    help = "Glacier onboarding: gap detection, weekly reports, people import."
    subcommand_package = "onboarding.management.subcommands"
