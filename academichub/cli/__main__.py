"""python -m academichub.cli"""

from academichub.cli.main import main

main()
