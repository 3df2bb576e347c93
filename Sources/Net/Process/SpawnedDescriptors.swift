public import Glibc

/// What a spawned child inherits: only 0, 1 and 2.
///
/// Without this a child gets every descriptor of this process that lacks close-on-exec, and
/// libraries open many (curl's sockets and wakeup pipes, NIO's sockets): a long-lived child
/// then holds connections open after this process closed them, so peers never see the close.
public enum SpawnedDescriptors {
    /// Adds "close every descriptor from 3 up" to `actions`; call it after the `dup2`s onto
    /// 0, 1 and 2. glibc 2.34+ does that in the child in one step; older ones get a close per
    /// descriptor open now (racy against descriptors opened meanwhile, which is why the
    /// one-step form is preferred).
    public static func closeAllButStandard(_ actions: inout posix_spawn_file_actions_t) {
        if let closeFrom = addCloseFrom {
            _ = closeFrom(&actions, 3)
            return
        }
        for descriptor in openDescriptors() where descriptor > 2 {
            posix_spawn_file_actions_addclose(&actions, descriptor)
        }
    }

    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Looked up at run time: the Glibc module does not declare it, and glibc before 2.34
    /// lacks it.
    static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return nil
        }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// The descriptors open in this process, from /proc/self/fd (empty when it is not mounted).
    static func openDescriptors() -> [Int32] {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        let own = dirfd(directory)
        var found: [Int32] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let descriptor = Int32(name), descriptor != own { found.append(descriptor) }
        }
        return found
    }
}
