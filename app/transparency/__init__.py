"""What the public sees of the whole: map, service index and rankings, government actions,
open data, feeds and Open311."""
