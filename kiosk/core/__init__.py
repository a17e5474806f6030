"""The bottom layer: small helpers every other layer may import (sync, models,
services, stations), which import nothing of bayflow's but ``kiosk.db``."""
