"""Where evidence files and archived workbooks keep their bytes: a content-addressed file store.

Files are named by their sha256 and written once. The default store is the database itself
(table `stored_file_chunks`), so PostgreSQL is the one thing to back up and replicate and every
web machine reads the same files; `FILE_STORAGE=directory` keeps them in a folder instead
(`FILE_STORAGE_DIR`, a shared mount when there is more than one machine).
"""
