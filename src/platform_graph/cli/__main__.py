"""``python -m platform_graph.cli``."""

from platform_graph.cli import main

raise SystemExit(main())
