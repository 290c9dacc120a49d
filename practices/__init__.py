"""Public content in Wagtail: the home page, States, good practices, progress."""
