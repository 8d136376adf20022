"""`python -m bsevents`."""

from bsevents.entry import main

if __name__ == "__main__":
    main()
