extension ConfigKey {
    /// Settings of the MCP endpoint and its tools.
    static let mcpAllowedOrigins = ConfigKey("mcp_allowed_origins", env: "MCP_ALLOWED_ORIGINS",
                                             "browser origins allowed on /v1/mcp besides loopback (comma separated)")
    static let workspaceDir = ConfigKey("workspace_dir", env: "TRIFORCE_WORKSPACE",
                                        "root the code/file/shell tools are confined to (default <data-dir>/workspace)")
    static let ssrfAllowlist = ConfigKey("ssrf_allowlist", env: "TRIFORCE_SSRF_ALLOWLIST",
                                         "IPs/CIDRs the crawl tool may reach despite being private (comma separated)")
    static let searxngURL = ConfigKey("searxng_url", env: "SEARXNG_URL", "SearXNG base URL for the search tool")
    static let agentConcurrency = ConfigKey("agent_concurrency", env: "TRIFORCE_AGENT_CONCURRENCY", default: "2",
                                            "CLI agents running at once")

    static let mcpKeys: [ConfigKey] = [mcpAllowedOrigins, workspaceDir, ssrfAllowlist, searxngURL, agentConcurrency]
}
