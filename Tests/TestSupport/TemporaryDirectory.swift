import FoundationEssentials
import Glibc

/// Fresh temp directories for tests that need real files.
public enum TemporaryDirectory {
    /// A new directory under the system temp dir, unique per call.
    public static func make(prefix: String = "triforce-test") -> String {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let result = mkdtemp(base) else { return "/tmp/\(prefix)-\(UUID().uuidString)" }
            return String(cString: result)
        }
    }
}
