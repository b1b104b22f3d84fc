"""`python -m bot` is the `dossier` command."""

import sys

from bot.cli import main

sys.exit(main())
