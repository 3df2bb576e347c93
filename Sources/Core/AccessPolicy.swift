/// The seam between authorization (the Auth module implements it) and the features that
/// consult it (gateway, MCP, admin). Every decision for a caller goes through one value.
///
/// Why this lives in `Core` and not in `Net`: who may do what is product policy, and `Net`
/// is plumbing. `Net` depends on `Core` (its request context carries the `Principal`), so
/// `Core` depends on nothing but the standard library. That is also why `require` throws
/// untyped: the implementation chooses the error its transport understands (Auth's
/// `TierAccessPolicy` throws Net's `APIError` 401/403, which the HTTP error middleware and the
/// MCP server already map), and `Core` need not know any wire format.
public protocol AccessPolicy: Sendable {
    /// Throws when the caller's tier lacks `feature` (or the feature is admin-only and the
    /// caller is not an admin); the error names the tier so the caller knows what to ask for.
    func require(_ feature: Feature, for principal: Principal) async throws
    /// Whether the caller's tier may use `model`. Routing skips models this refuses; an
    /// explicit request for one gets 403 naming the tier.
    func mayUse(_ model: ModelDescriptor, principal: Principal) async -> Bool
}
