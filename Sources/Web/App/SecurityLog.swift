import Core
import Logging

extension RequestContext {
    /// Writes one security-log line for this request (reliability.md A-12). The workspace and actor default to the
    /// signed-in user's, or to the API key's workspace.
    func audit(_ kind: SecurityEventKind, actor: String? = nil, workspaceID: Int64? = nil, detail: String? = nil) {
        let event = SecurityEvent(kind: kind, at: now, requestID: requestID,
                                  workspaceID: workspaceID ?? session?.user.workspaceID ?? apiWorkspaceID,
                                  actor: actor ?? session?.user.email, address: request.remoteAddress, detail: detail)
        app.securityLogger.notice("\(event.line)")
    }
}
