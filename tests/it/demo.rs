//! `qinglian demo` loads the demo organisation on either backend, with a login per role.

use crate::dual_test;

dual_test!(the_demo_loads_and_every_role_can_sign_in, |app: &TestApp| async move {
    let ctx = qinglian::cli::demo::console_ctx(&app.state, "demo");
    let report = qinglian::demo::load(&app.state, &ctx, 7, Default::default()).await.unwrap();
    assert!(report.risk_points > 150, "{} risk points", report.risk_points);
    assert!((250..=400).contains(&report.people), "{} people", report.people);
    assert!(report.units >= 60, "{} units", report.units);
    assert_eq!(report.logins.len(), 11);
    for l in &report.logins {
        let mut c = app.client();
        let r = c.login(&l.username, &l.password).await;
        assert_eq!(r.location(), "/account/password", "{} must change the one-time password", l.username);
    }
    // A second run refuses to touch a database that has data.
    assert!(qinglian::demo::load(&app.state, &ctx, 7, Default::default()).await.is_err());
    let v = qinglian::audit::verify(&app.state.db.read, app.state.crypto.as_ref()).await.unwrap();
    assert!(v.ok() && v.rows_checked as usize > report.people);
});
