import Core
import FastCGI
import Foundation

/// `POST /signin`: checks the password, throttles failures, starts a fresh session.
///
/// Every failure (unknown account, wrong password, throttled) gets the same status, page and roughly the same
/// time, so the form does not reveal which accounts exist.
enum SignIn {
    static let failure = "That email and password do not match, or there were too many attempts. Check them, or wait 15 minutes and try again."

    static func handle(_ context: RequestContext) throws -> Response {
        let form = context.request.form
        let email = AccountRules.normalizeEmail(form["email"] ?? "")
        let password = form["password"] ?? ""
        guard !email.isEmpty, !password.isEmpty else {
            return SignInPage.render(context, email: email, error: "Enter your email and password.", status: 422)
        }
        let store = context.app.store
        let throttle = SignInThrottle()
        let address = context.request.remoteAddress
        let failures = try store.signInFailures(account: email, address: address, since: throttle.windowStart(now: context.now))
        let user = try store.user(email: email)
        let matches: Bool
        if let user, password.utf8.count <= AccountRules.maximumPasswordLength {
            matches = context.app.passwords.verify(password, against: user.passwordHash)
        } else {
            context.app.passwords.verifyDummy(password)
            matches = false
        }
        guard matches, let user, !throttle.isLocked(accountFailures: failures.account, addressFailures: failures.address) else {
            try store.recordSignInFailure(account: email, address: address, now: context.now)
            context.audit(.signInFailed, actor: email, workspaceID: user?.workspaceID,
                          detail: user == nil ? "unknown account" : matches ? "locked after repeated failures" : "wrong password")
            return SignInPage.render(context, email: email, error: failure, status: 401)
        }
        try store.pruneSignInFailures(before: throttle.windowStart(now: context.now))
        let cookie = try Sessions.start(for: user, context)
        context.audit(.signInSucceeded, actor: user.email, workspaceID: user.workspaceID)
        return Response.redirect(to: SafeRedirect.path(form["next"]))
            .adding("Set-Cookie", cookie)
            .adding("Set-Cookie", "\(CSRF.signInCookie)=; Path=/signin; Max-Age=0; HttpOnly; SameSite=Strict")
    }
}

/// `POST /signout`: ends the session on the server and clears the cookie.
enum SignOut {
    static func handle(_ context: RequestContext) throws -> Response {
        if let session = context.session {
            try context.app.store.endSession(idHash: session.idHash)
            context.audit(.signedOut)
        }
        return Response.redirect(to: SiteRoute.signIn.path + "?notice=signed-out").adding("Set-Cookie", Sessions.clearing(context))
    }
}
