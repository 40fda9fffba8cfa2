"""``python -m newsreader``: the same entry point as the console script."""

from newsreader.launch import main

main()
