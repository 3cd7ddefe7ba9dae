from tierwatch.cli import main

main()
