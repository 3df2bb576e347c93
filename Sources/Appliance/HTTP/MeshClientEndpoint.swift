import Auth
import Core
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import Mesh
import Net
import NIOCore

/// `/v1/mesh` on the API port: a WebSocket for client sessions. The upgrade is accepted for
/// the path alone (a refused upgrade could only answer an empty 400); the first thing the
/// socket does is authenticate the upgrade request's Bearer token or API key and require the
/// `mesh` feature. A refusal is one JSON-RPC error frame naming the status (401/403), then
/// a policy-violation close. A plain GET reaches the HTTP route, which answers 426; an upgrade
/// that is not its connection's first request (only the first may upgrade) is sent to open a
/// new connection: 307 to the same path with `Connection: close`.
struct MeshClientEndpoint: Sendable {
    static let path = "/v1/mesh"
    let auth: AuthServices
    let sessions: ClientSessions
    let environment: ClientSocket.Environment

    /// The plain-HTTP side of the path: after the auth middleware (feature `mesh`), a 426
    /// saying how to connect.
    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get(RouterPath(stringLiteral: Self.path)) { request, _ -> Response in
            if request.headers.value(.upgrade)?.lowercased() == "websocket" {
                // Path and query only: an absolute-form request target must not pick the host.
                let location = request.uri.query.map { "\(Self.path)?\($0)" } ?? Self.path
                return Response(status: .temporaryRedirect, headers: [.location: location, .connection: "close"])
            }
            throw APIError(.upgradeRequired, type: "invalid_request_error", code: "websocket_required",
                           message: "/v1/mesh speaks JSON-RPC over WebSocket: connect with Upgrade: websocket and send node/register")
        }
    }

    func shouldUpgrade(_ head: HTTPRequest, _ channel: any Channel, _ logger: Logger)
        -> ShouldUpgradeResult<WebSocketDataHandler<APIChannel.WebSocketContext>> {
        let path = head.path?.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ""
        guard path == Self.path else { return .dontUpgrade }
        let headers = head.headerFields
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let endpoint = self
        return .upgrade([:]) { inbound, outbound, _ in
            let principal: Principal
            do {
                principal = try await endpoint.auth.authenticator.principal(headers: headers, address: address)
                guard !principal.isGuest else {
                    await ClientSocket.refuse(outbound: outbound, status: 401,
                                              message: "/v1/mesh needs Authorization: Bearer <token or API key> whose tier includes mesh")
                    return
                }
                try await endpoint.auth.policy.require(.mesh, for: principal)
            } catch let error as APIError {
                await ClientSocket.refuse(outbound: outbound, status: Int(error.status.code), message: error.message)
                return
            } catch {
                await ClientSocket.refuse(outbound: outbound, status: 500, message: "authentication failed; see the node's log")
                return
            }
            logger.info("mesh client connected", metadata: ["subject": "\(principal.subject)", "remote": "\(address)"])
            await ClientSocket.serve(inbound: inbound, outbound: outbound, sessions: endpoint.sessions,
                                     environment: endpoint.environment, credentials: principal)
        }
    }
}
