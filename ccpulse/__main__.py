from ccpulse.cli import main

main()
