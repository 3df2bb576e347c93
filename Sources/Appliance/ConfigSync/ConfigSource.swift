/// Where a node's declarative config comes from: one branch of a git repository, cloned into
/// the data dir, optionally restricted to commits signed by an SSH allowed-signers file.
struct ConfigSource: Sendable, Equatable {
    let url: String
    let branch: String
    /// Path of an SSH allowed-signers file; nil: unsigned commits are applied too.
    let allowedSigners: String?
    /// The node's clone (`<data-dir>/config-repo`).
    let clonePath: String

    /// A branch name that cannot be read as an option or a ref expression.
    static func isSafeBranch(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 200, !name.hasPrefix("-"), !name.hasPrefix("/"), !name.hasSuffix("/"),
              !name.hasSuffix(".lock"), !name.contains(".."), !name.contains("//"), !name.contains("@{") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value < 0x7f && !"~^:?*[\\".unicodeScalars.contains(scalar)
        }
    }
}
