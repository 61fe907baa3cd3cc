"""The command-line skin: parse options, call one service, print a rendered string."""
