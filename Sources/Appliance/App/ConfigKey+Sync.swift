import Net
extension ConfigKey {
    static let syncGitURL = ConfigKey("sync.git_url", env: "TRIFORCE_SYNC_GIT_URL", default: "",
                                      "git repository holding this node's declarative config (any URL git accepts); empty: off")
    static let syncGitBranch = ConfigKey("sync.git_branch", env: "TRIFORCE_SYNC_GIT_BRANCH", default: "main",
                                         "branch of sync.git_url to follow (fast-forward only)")
    static let syncGitInterval = ConfigKey("sync.git_interval", env: "TRIFORCE_SYNC_GIT_INTERVAL", default: "60",
                                           "seconds between config fetches (± 20 % jitter)")
    static let syncGitSigners = ConfigKey("sync.git_signers", env: "TRIFORCE_SYNC_GIT_SIGNERS", default: "",
                                          "SSH allowed-signers file: only commits signed by these keys are applied; empty: unsigned accepted")

    static let syncKeys: [ConfigKey] = [syncGitURL, syncGitBranch, syncGitInterval, syncGitSigners]
}

extension ApplianceConfiguration {
    /// The git settings, or nil when `sync.git_url` is empty (config from git is off).
    func configSource() throws(ConfigurationError) -> ConfigSource? {
        guard let url = string(.syncGitURL)?.trimmed(), !url.isEmpty else { return nil }
        let branch = string(.syncGitBranch)?.trimmed() ?? "main"
        guard ConfigSource.isSafeBranch(branch) else {
            throw ConfigurationError("sync.git_branch (TRIFORCE_SYNC_GIT_BRANCH) must be a plain branch name, got '\(branch)'")
        }
        guard !url.hasPrefix("-") else { throw ConfigurationError("sync.git_url (TRIFORCE_SYNC_GIT_URL) must not start with '-'") }
        let signers = string(.syncGitSigners)?.trimmed() ?? ""
        return ConfigSource(url: url, branch: branch, allowedSigners: signers.isEmpty ? nil : signers,
                            clonePath: dataDirectory + "/config-repo")
    }

    func syncGitIntervalSeconds() throws(ConfigurationError) -> Int { try int(.syncGitInterval, in: 5...86_400) }
}
