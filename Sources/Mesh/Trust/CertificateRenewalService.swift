import FoundationEssentials
import Net
public import Logging
public import ServiceLifecycle

/// Renews the node certificate when it reaches two thirds of its lifetime (checked every
/// `checkInterval`; a failed attempt is retried at the next check).
public struct CertificateRenewalService: Service {
    let renewal: CertificateRenewal
    let authorities: [PeerAddress]
    let checkInterval: Duration
    let logger: Logger

    public init(renewal: CertificateRenewal, authorities: [PeerAddress], checkInterval: Duration = .seconds(600), logger: Logger) {
        self.renewal = renewal
        self.authorities = authorities
        self.checkInterval = checkInterval
        self.logger = logger
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if let due = renewal.dueDate(), due <= Date() {
                    do {
                        let certificate = try await renewal.renew(through: authorities)
                        logger.notice("mesh: certificate renewed (new links and handshakes use it within a second)", metadata: [
                            "serial": "\(certificate.info.serialHex)", "not_after": "\(certificate.info.notAfter)"])
                    } catch {
                        logger.warning("mesh: certificate renewal failed", metadata: ["error": "\(error)"])
                    }
                }
                try await Task.sleep(for: checkInterval)
            }
        }
    }
}
