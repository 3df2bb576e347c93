import Glibc

/// The database holds password hashes, API key hashes and the JWT signing secret, so it and
/// everything beside it are owner-only: files 0600, the data directory 0700. The process
/// umask (set at start) makes new files so; these make files that exist already so too —
/// made by an older build, by hand, or restored from a backup.
extension Database {
    static let ownerOnlyFileMode: mode_t = 0o600
    static let ownerOnlyDirectoryMode: mode_t = 0o700

    /// chmod 0700 of `directory` (which must exist).
    public static func restrictDirectory(_ directory: String) throws(StorageError) {
        try restrict(directory, to: ownerOnlyDirectoryMode)
    }

    /// chmod 0600 of the database and its WAL, shared-memory and rollback journal files,
    /// those that exist. SQLite gives new -wal/-shm files the database's own mode.
    static func restrictFiles(of path: String) throws(StorageError) {
        for file in [path, path + "-wal", path + "-shm", path + "-journal"] {
            try restrict(file, to: ownerOnlyFileMode)
        }
    }

    /// A missing file is fine (nothing to protect). A file we cannot chmod (another owner)
    /// is fine only when it already grants nothing to group and others.
    private static func restrict(_ path: String, to mode: mode_t) throws(StorageError) {
        guard chmod(path, mode) != 0 else { return }
        let failure = errno
        guard failure != ENOENT else { return }
        var info = stat()
        if stat(path, &info) == 0, info.st_mode & 0o077 == 0 { return }
        throw StorageError(.open, "cannot make \(path) owner-only (chmod \(String(mode, radix: 8)) failed, errno \(failure)); fix its owner or mode")
    }
}
