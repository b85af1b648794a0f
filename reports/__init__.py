"""Official forms, the tracking book, the household survey forms and the name lists."""
