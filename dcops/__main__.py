from dcops.cli import main

main()
