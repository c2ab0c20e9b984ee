import sys

from coc.cli import main

sys.exit(main())
