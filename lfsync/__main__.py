from lfsync.cli import main

main()
