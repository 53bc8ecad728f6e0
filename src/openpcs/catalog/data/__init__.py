"""Device knowledge as data files: sensor tables and their index."""
