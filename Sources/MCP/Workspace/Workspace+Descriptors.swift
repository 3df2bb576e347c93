import Glibc

/// Race-free access below the root. `resolve` checks a path, but a process sharing the
/// workspace (an agent, the shell) could swap a directory for a symlink before the file is
/// opened. So files are opened from a descriptor of the root, one component at a time with
/// O_NOFOLLOW: a link that appeared after `resolve` is refused (ELOOP), never followed.
extension Workspace {
    /// A directory descriptor for `absolute` (a resolved path inside the root), walking from
    /// the root; with `create`, missing directories are made (mkdirat) on the way.
    /// Returns -1 with errno set on failure.
    func openDirectory(_ absolute: String, create: Bool = false) -> Int32 {
        guard contains(absolute) else { errno = EXDEV; return -1 }
        var current = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard current >= 0 else { return -1 }
        for part in absolute.dropFirst(root.count).split(separator: "/") {
            let name = String(part)
            var next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if next < 0, errno == ENOENT, create {
                if mkdirat(current, name, 0o755) != 0, errno != EEXIST {
                    let code = errno
                    close(current)
                    errno = code
                    return -1
                }
                next = openat(current, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            let code = errno
            close(current)
            guard next >= 0 else {
                // O_NOFOLLOW | O_DIRECTORY on a symlink reports ENOTDIR on some kernels.
                errno = code
                return -1
            }
            current = next
        }
        return current
    }

    /// The parent directory's descriptor and the last component of `absolute`.
    func openParent(_ absolute: String, create: Bool = false) -> (fd: Int32, name: String) {
        guard absolute != root, let slash = absolute.lastIndex(of: "/") else { errno = EISDIR; return (-1, "") }
        let name = String(absolute[absolute.index(after: slash)...])
        return (openDirectory(String(absolute[..<slash]), create: create), name)
    }
}
