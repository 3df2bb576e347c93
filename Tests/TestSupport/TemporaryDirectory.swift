import FoundationEssentials
import Glibc

/// Fresh temp directories for tests that need real files.
///
/// Every directory one test process makes lives under one root, removed when the process
/// exits: the suite makes ~600 of them per run (data dirs, git fixtures, a release binary of
/// 53 MB each), 1.4 GB that used to stay in /tmp. A crashed process leaves its root behind,
/// which is what one wants to look at then.
public enum TemporaryDirectory {
    /// A new directory under this process's root, unique per call.
    public static func make(prefix: String = "triforce-test") -> String {
        makeUnique(root + "/" + prefix)
    }

    /// Made on first use; `atexit` removes it with everything in it. Child processes the tests
    /// started (nodes, git) are gone or orphaned by then; removing their files is safe on Linux.
    static let root: String = {
        let made = makeUnique("\(FileManager.default.temporaryDirectory.path)/triforce-test-\(getpid())")
        atexit { try? FileManager.default.removeItem(atPath: TemporaryDirectory.root) }
        return made
    }()

    private static func makeUnique(_ base: String) -> String {
        var template = Array("\(base)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let start = buffer.baseAddress, let result = mkdtemp(start) else {
                fatalError("mkdtemp \(base) failed: errno \(errno)")
            }
            return String(cString: result)
        }
    }
}
