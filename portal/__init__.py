"""The Nuclear Security Implementation Portal: project, accounts, States, audit."""
