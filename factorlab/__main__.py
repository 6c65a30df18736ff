"""``python -m factorlab`` runs the command line."""

from factorlab.cli import main

raise SystemExit(main())
