from kdata.cli import main

main()
