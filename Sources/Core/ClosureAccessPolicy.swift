/// A policy made of closures, for tests and for wiring before auth exists.
public struct ClosureAccessPolicy: AccessPolicy {
    let requireFeature: @Sendable (Feature, Principal) async throws -> Void
    let mayUseModel: @Sendable (ModelDescriptor, Principal) async -> Bool

    public init(require: @escaping @Sendable (Feature, Principal) async throws -> Void = { _, _ in },
                mayUse: @escaping @Sendable (ModelDescriptor, Principal) async -> Bool = { _, _ in true }) {
        self.requireFeature = require
        self.mayUseModel = mayUse
    }

    public func require(_ feature: Feature, for principal: Principal) async throws { try await requireFeature(feature, principal) }
    public func mayUse(_ model: ModelDescriptor, principal: Principal) async -> Bool { await mayUseModel(model, principal) }
}
