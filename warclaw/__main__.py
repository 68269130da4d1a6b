from warclaw.cli import main

raise SystemExit(main())
