from locbench.cli import main

raise SystemExit(main())
