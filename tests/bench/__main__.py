import sys

from tests.bench.auth_me import main

sys.exit(main())
