/// The version this binary reports in `/health`, `--version` and release manifests.
enum TriForceVersion {
    static let current = "0.1.0"
}
