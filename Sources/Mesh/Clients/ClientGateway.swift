public import Core
import Synchronization

/// What the mesh port needs to take client sessions from CA-certified clients: the session
/// table, the node's environment, and the principal a client certificate stands for.
public struct ClientGateway: Sendable {
    public let sessions: ClientSessions
    public let environment: ClientSocket.Environment
    /// The principal for a client certificate's name (CN or node id).
    public let principal: @Sendable (String?) -> Principal

    public init(sessions: ClientSessions, environment: ClientSocket.Environment, principal: @escaping @Sendable (String?) -> Principal) {
        self.sessions = sessions
        self.environment = environment
        self.principal = principal
    }

    /// Requests a client socket answers on the mesh port (the rest stay with the mesh session).
    static let methods: Set<String> = ["node/register", "tools/list", "tools/call"]
}

extension MeshService {
    /// Lets CA-certified clients register sessions on the mesh port.
    public nonisolated func setClientGateway(_ gateway: ClientGateway?) { clientGatewaySlot.withLock { $0 = gateway } }

    nonisolated var clientGateway: ClientGateway? { clientGatewaySlot.withLock { $0 } }
}
