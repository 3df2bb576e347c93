/// The version this binary reports in `/health`, `--version` and release manifests.
/// `scripts/dev.sh package` stamps the `git describe` version: it writes the git-ignored
/// `BuildStamp.swift` and builds with `-DTRIFORCE_STAMPED`. A plain `swift build` is a
/// development build of the base version.
enum TriForceVersion {
    static let base = "0.1.0"
    #if TRIFORCE_STAMPED
    static let current = BuildStamp.version
    #else
    static let current = base + "-dev"
    #endif
}
