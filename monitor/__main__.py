"""Allow ``python -m monitor`` as well as the ``ctr-monitor`` console script."""

from monitor.cli.main import main

if __name__ == "__main__":
    main()
