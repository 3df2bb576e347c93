import Auth
import Core
import MCP
import Mesh
import Net

/// What client sessions (`node/register` on `/v1/mesh` or the mesh port) get from the node:
/// their acting principal, and the node's MCP tools to list and call.
enum MeshClientEnvironment {
    static func make(auth: AuthServices, registry: ToolRegistry, stats: @escaping @Sendable () async -> JSONValue) -> ClientSocket.Environment {
        ClientSocket.Environment(
            actingPrincipal: { credentials, requested in await actingPrincipal(credentials, requested: requested, tiers: auth.tiers) },
            listTools: { principal in
                var tools: [JSONValue] = []
                var cursor: String?
                repeat {
                    guard let page = try? await registry.list(cursor: cursor, principal: principal) else { break }
                    tools += page.tools.map(\.listing)
                    cursor = page.nextCursor
                } while cursor != nil
                return ["tools": .array(tools)]
            },
            callTool: { name, arguments, principal in
                if let arguments, arguments.objectValue == nil, !arguments.isNull {
                    return .failure(.invalidParams("params.arguments must be an object"))
                }
                do throws(JSONRPCError) {
                    return .success(try await registry.call(name: name, arguments: arguments, context: ToolContext(principal: principal)).json)
                } catch {
                    return .failure(error)
                }
            },
            stats: stats)
    }

    /// The lower of the tier a client asks for and its credentials' tier: the asked tier
    /// when it exists and grants nothing the credentials' tier lacks (features, request
    /// rate), else the credentials' own. Acting below one's tier also drops the admin role.
    static func actingPrincipal(_ credentials: Principal, requested: String?, tiers: TierStore) async -> Principal {
        guard let requested, requested != credentials.tier,
              let asked = try? await tiers.get(requested), let allowed = try? await tiers.get(credentials.tier) else { return credentials }
        let featuresWithin = asked.features.isSubset(of: allowed.features)
        let rateWithin: Bool
        switch (asked.requestsPerHour, allowed.requestsPerHour) {
        case (_, nil): rateWithin = true
        case (nil, .some): rateWithin = false
        case (.some(let a), .some(let b)): rateWithin = a <= b
        }
        guard featuresWithin, rateWithin else { return credentials }
        var acting = credentials
        acting.tier = asked.name
        acting.isAdmin = false
        return acting
    }
}
