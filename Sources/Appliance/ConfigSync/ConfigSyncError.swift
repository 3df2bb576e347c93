/// Why a config commit was not applied: the git step that failed, or the file and the reason
/// it is invalid. The previous config stays in force whenever one of these is reported.
struct ConfigSyncError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: String, Sendable, Codable {
        /// `git` could not run, timed out, or failed (fetch, rev-parse, merge).
        case git
        /// The branch moved to a commit that does not descend from the applied one.
        case diverged
        /// A new commit's signature does not verify against the allowed signers.
        case unsigned
        /// A config file is missing a field, has a wrong value, or is not JSON.
        case invalid
        /// The database refused the transaction.
        case storage
    }

    let code: Code
    let message: String
    /// The file in the repository at fault (for `.invalid`).
    let path: String?

    init(_ code: Code, _ message: String, path: String? = nil) {
        self.code = code
        self.message = message
        self.path = path
    }

    var description: String { path.map { "\($0): \(message)" } ?? message }
}
