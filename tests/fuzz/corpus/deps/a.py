import os, sys
from typing import (
    List,
    Dict as D,
)
import os.path
