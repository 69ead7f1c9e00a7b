//! The one table: every event kind to its OCSF class, activity and status, with why. An
//! exhaustive match, so a new event type does not compile until it has a class; `docs/ocsf.md`
//! is generated from it ([`markdown`]) and a test keeps the copy fresh.

use alloc::string::String;
use core::fmt::Write;

use crate::classify::RULES;
use crate::providers::Kind;
use crate::{cloud66, crowdsec, sectigo};

/// Declares a class's activities: the OCSF `activity_id` and its caption. `99` is OCSF's
/// "Other", whose caption is ours to name.
macro_rules! activities {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $id:literal $caption:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(
                #[doc = concat!("OCSF activity ", stringify!($id), ", \"", $caption, "\".")]
                $variant,
            )*
        }

        impl $name {
            /// The OCSF `activity_id`.
            pub const fn id(self) -> u8 {
                match self {
                    $(Self::$variant => $id,)*
                }
            }

            /// The OCSF `activity_name`.
            pub const fn caption(self) -> &'static str {
                match self {
                    $(Self::$variant => $caption,)*
                }
            }
        }
    };
}

activities!(
    /// Detection Finding (2004).
    FindingActivity { Create = 1 "Create", Close = 3 "Close", }
);
activities!(
    /// Account Change (3001).
    AccountActivity { Create = 1 "Create", PasswordReset = 4 "Password Reset", }
);
activities!(
    /// Authentication (3002).
    AuthenticationActivity { LoginLinkIssued = 99 "Login Link Issued", }
);
activities!(
    /// Entity Management (3004).
    EntityActivity { Update = 3 "Update", Enroll = 6 "Enroll", Unenroll = 7 "Unenroll", }
);
activities!(
    /// Application Lifecycle (6002).
    AppActivity {
        Start = 3 "Start",
        Stop = 4 "Stop",
        Enable = 6 "Enable",
        NoAlerts = 99 "No Alerts",
        UpdateAvailable = 99 "Update Available",
    }
);
activities!(
    /// Web Resources Activity (6001).
    WebActivity { Export = 7 "Export", }
);
activities!(
    /// Base Event (0).
    BaseActivity { Unknown = 0 "Unknown", PaymentFailed = 99 "Payment Failed", }
);

/// An OCSF event class with the activity it reports; each class's objects follow from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Detection Finding (2004): an attack, malware or a false positive a provider detected.
    DetectionFinding(FindingActivity),
    /// Account Change (3001): a user account created or its password reset.
    AccountChange(AccountActivity),
    /// Authentication (3002): a credential issued to sign in.
    Authentication(AuthenticationActivity),
    /// Entity Management (3004): something a console manages enrolled, left or updated.
    EntityManagement(EntityActivity),
    /// The subject is the application; the feature, when named, is what was switched.
    ApplicationLifecycle(AppActivity, Option<&'static str>),
    /// Web Resources Activity (6001): a backup exported for download.
    WebResourcesActivity(WebActivity),
    /// Base Event (0): what no class fits (billing, types not documented yet).
    BaseEvent(BaseActivity),
}

impl Class {
    /// The OCSF `class_uid`.
    pub const fn uid(self) -> u16 {
        match self {
            Self::DetectionFinding(_) => 2004,
            Self::AccountChange(_) => 3001,
            Self::Authentication(_) => 3002,
            Self::EntityManagement(_) => 3004,
            Self::ApplicationLifecycle(..) => 6002,
            Self::WebResourcesActivity(_) => 6001,
            Self::BaseEvent(_) => 0,
        }
    }

    /// The OCSF `class_name`.
    pub const fn caption(self) -> &'static str {
        match self {
            Self::DetectionFinding(_) => "Detection Finding",
            Self::AccountChange(_) => "Account Change",
            Self::Authentication(_) => "Authentication",
            Self::EntityManagement(_) => "Entity Management",
            Self::ApplicationLifecycle(..) => "Application Lifecycle",
            Self::WebResourcesActivity(_) => "Web Resources Activity",
            Self::BaseEvent(_) => "Base Event",
        }
    }

    /// OCSF numbers classes `category * 1000 + n`.
    pub const fn category_uid(self) -> u8 {
        (self.uid() / 1000) as u8
    }

    /// The OCSF `category_name` of the class's category.
    pub const fn category_caption(self) -> &'static str {
        match self.category_uid() {
            2 => "Findings",
            3 => "Identity & Access Management",
            6 => "Application Activity",
            _ => "Uncategorized",
        }
    }

    /// The OCSF `activity_id` of the class's activity.
    pub const fn activity_id(self) -> u8 {
        match self {
            Self::DetectionFinding(a) => a.id(),
            Self::AccountChange(a) => a.id(),
            Self::Authentication(a) => a.id(),
            Self::EntityManagement(a) => a.id(),
            Self::ApplicationLifecycle(a, _) => a.id(),
            Self::WebResourcesActivity(a) => a.id(),
            Self::BaseEvent(a) => a.id(),
        }
    }

    /// The OCSF `activity_name` of the class's activity.
    pub const fn activity_caption(self) -> &'static str {
        match self {
            Self::DetectionFinding(a) => a.caption(),
            Self::AccountChange(a) => a.caption(),
            Self::Authentication(a) => a.caption(),
            Self::EntityManagement(a) => a.caption(),
            Self::ApplicationLifecycle(a, _) => a.caption(),
            Self::WebResourcesActivity(a) => a.caption(),
            Self::BaseEvent(a) => a.caption(),
        }
    }

    /// `class_uid * 100 + activity_id`, as OCSF defines it.
    pub const fn type_uid(self) -> u32 {
        self.uid() as u32 * 100 + self.activity_id() as u32
    }
}

/// The event's `status_id` and `status`. Findings have their own enum (New, Resolved); the
/// other classes share Success, Failure and Other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The class has no status to report (Base Event), or nothing is known of one.
    Unset,
    /// A finding just reported (findings' `status_id` 1).
    New,
    /// A finding closed because its cause was fixed (findings' `status_id` 4).
    Resolved,
    /// The activity succeeded (`status_id` 1).
    Success,
    /// The activity failed (`status_id` 2).
    Failure,
    /// OCSF's Other, named.
    Other(&'static str),
    /// From the provider's `current_state`: Success when completed, Failure when failed,
    /// otherwise Other named by the state.
    State,
}

impl Outcome {
    fn caption(self) -> &'static str {
        match self {
            Self::Unset => "—",
            Self::New => "New",
            Self::Resolved => "Resolved",
            Self::Success => "Success",
            Self::Failure => "Failure",
            Self::Other(caption) => caption,
            Self::State => "the provider's state",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mapping {
    /// The class, with its activity.
    pub class: Class,
    /// The status the event reports.
    pub outcome: Outcome,
    /// Why this class, in one line (the docs' table).
    pub why: &'static str,
}

const fn row(class: Class, outcome: Outcome, why: &'static str) -> Mapping {
    Mapping {
        class,
        outcome,
        why,
    }
}

use AppActivity as App;
use Class::{
    AccountChange, ApplicationLifecycle, Authentication, BaseEvent, DetectionFinding,
    EntityManagement, WebResourcesActivity,
};
use Outcome::{Failure, New, Other, Resolved, State, Success, Unset};

const ALERT: &str = "a security product's detection of an attack on what it protects";
const OFFLINE: &str = "a component stopped running as far as the console can tell; Stop is the lifecycle verb for it, and no OCSF class reports a missed heartbeat";
const SILENT: &str =
    "a component runs but reports nothing: a lifecycle state without an OCSF verb, so Other, named";
const UNKNOWN: &str = "not documented yet, so no class can be chosen: the generic class, with the provider's type in metadata.event_code";
const ENABLED: &str = "a protective service switched on for the website: the website's protection is the application, the service its feature";
const RESTORE: &str = "a restore rewrites a managed website or database; Remediation Activity would need the restore command's id, which Sectigo does not send";
const EXPORT: &str =
    "a backup exported for download is an Export of a web resource; its link is redacted";
const DNSSEC: &str =
    "a key rotation updates the website's DNS configuration, an entity the console manages";

/// The OCSF class, activity and status of every event kind.
#[rustfmt::skip]
#[expect(clippy::match_same_arms, reason = "one row per event kind, in the documentation's order")]
pub const fn mapping(kind: Kind) -> Mapping {
    use crowdsec::EventType as Cs;
    use cloud66::EventType as Cl;
    use sectigo::EventType as Sg;
    match kind {
        Kind::CrowdSec(t) => match t {
            Cs::AmIUnderAttack => row(DetectionFinding(FindingActivity::Create), New, "anomaly detection reporting an attack on the organization"),
            Cs::AlertTriggered => row(DetectionFinding(FindingActivity::Create), New, ALERT),
            Cs::SecurityEngineEnrolled => row(EntityManagement(EntityActivity::Enroll), Success, "an engine enrolled in the console that manages it: Entity Management names the verb"),
            Cs::SecurityEngineUnenrolled => row(EntityManagement(EntityActivity::Unenroll), Success, "an engine left the console that manages it"),
            Cs::SecurityEngineLongPendingEnroll => row(EntityManagement(EntityActivity::Enroll), Other("Pending Approval"), "an enrollment that waits for approval: the same verb, not yet done"),
            Cs::FirewallIntegrationOffline => row(ApplicationLifecycle(App::Stop, None), Unset, OFFLINE),
            Cs::RemediationComponentIntegrationOffline => row(ApplicationLifecycle(App::Stop, None), Unset, OFFLINE),
            Cs::LogProcessorNoAlerts => row(ApplicationLifecycle(App::NoAlerts, None), Unset, SILENT),
            Cs::ComponentOutdated => row(ApplicationLifecycle(App::UpdateAvailable, None), Unset, "updates are available, not applied: Update would say they were, so Other, named"),
            Cs::LogProcessorOffline => row(ApplicationLifecycle(App::Stop, None), Unset, OFFLINE),
            Cs::RemediationComponentOffline => row(ApplicationLifecycle(App::Stop, None), Unset, OFFLINE),
            Cs::SecurityEngineNoAlerts => row(ApplicationLifecycle(App::NoAlerts, None), Unset, SILENT),
            Cs::SecurityEngineOffline => row(ApplicationLifecycle(App::Stop, None), Unset, OFFLINE),
            Cs::BlockingSafeIp => row(DetectionFinding(FindingActivity::Create), New, "a block the engine decided, flagged as a false positive: the finding, its evidence's verdict False Positive"),
            Cs::PaymentFailed => row(BaseEvent(BaseActivity::PaymentFailed), Unset, "billing has no OCSF class: the generic class, named"),
            Cs::Unknown => row(BaseEvent(BaseActivity::Unknown), Unset, UNKNOWN),
        },
        Kind::Cloud66(t) => match t {
            Cl::ActiveProtectBlock => row(DetectionFinding(FindingActivity::Create), New, "ActiveProtect detected an attack and banned its source: the attacker is the evidence's src_endpoint"),
            Cl::ActiveProtectChange => row(DetectionFinding(FindingActivity::Create), New, "a file-integrity check with the file as evidence; File Activity would need the actor that changed it, which no one knows"),
            Cl::ServerBackOn => row(ApplicationLifecycle(App::Start, None), Success, "the server serves again; no OCSF class reports a host's reachability, Start is the lifecycle verb"),
            Cl::ServerIpChangeFail => row(EntityManagement(EntityActivity::Update), Failure, "the console failed to update a server it manages"),
            Cl::ServerStopped => row(ApplicationLifecycle(App::Stop, None), Unset, "the server stopped responding; Stop is the lifecycle verb for it"),
            Cl::Unknown => row(BaseEvent(BaseActivity::Unknown), Unset, UNKNOWN),
        },
        Kind::Sectigo(t) => match t {
            Sg::DatabaseBackupRestoreStateChanged => row(EntityManagement(EntityActivity::Update), State, RESTORE),
            Sg::DatabaseBackupZipDownloadAvailable => row(WebResourcesActivity(WebActivity::Export), Success, EXPORT),
            Sg::UserCreate => row(AccountChange(AccountActivity::Create), Success, "a user account was created"),
            Sg::UserLoginLink => row(Authentication(AuthenticationActivity::LoginLinkIssued), Success, "a one-time login link is a credential issued to sign in; Account Change has no verb for it and no logon happened yet"),
            Sg::UserResetPassword => row(AccountChange(AccountActivity::PasswordReset), Success, "a user's password was reset"),
            Sg::WebsiteAccelerateEnabled => row(ApplicationLifecycle(App::Enable, Some("CDN Acceleration")), Success, ENABLED),
            Sg::WebsiteBackupChangeAlert => row(DetectionFinding(FindingActivity::Create), New, "changed files found by comparing backups: an integrity detection; which files is not normalized, so no file evidence"),
            Sg::WebsiteCleanEnabled => row(ApplicationLifecycle(App::Enable, Some("Malware Cleaning")), Success, ENABLED),
            Sg::WebsiteDnssecRotationComplete => row(EntityManagement(EntityActivity::Update), Success, DNSSEC),
            Sg::WebsiteDnssecRotationStart => row(EntityManagement(EntityActivity::Update), Other("In Progress"), DNSSEC),
            Sg::WebsiteFirewallEnabled => row(ApplicationLifecycle(App::Enable, Some("Web Application Firewall")), Success, ENABLED),
            Sg::WebsiteMalwareIssueFixed => row(DetectionFinding(FindingActivity::Close), Resolved, "the malware finding is closed, resolved"),
            Sg::WebsiteMalwareIssueFound => row(DetectionFinding(FindingActivity::Create), New, "a malware scan's detection on a live website"),
            Sg::WebsiteMonitorEnabled => row(ApplicationLifecycle(App::Enable, Some("Monitoring")), Success, ENABLED),
            Sg::WebsiteRestoreStateChanged => row(EntityManagement(EntityActivity::Update), State, RESTORE),
            Sg::WebsiteZipDownloadAvailable => row(WebResourcesActivity(WebActivity::Export), Success, EXPORT),
            Sg::Unknown => row(BaseEvent(BaseActivity::Unknown), Unset, UNKNOWN),
        },
    }
}

/// The table as Markdown, one row per event kind in the classification table's order: the copy
/// in `docs/ocsf.md`.
pub fn markdown() -> String {
    let mut out = String::from(
        "| provider | event type | class | activity | status | why |\n|---|---|---|---|---|---|\n",
    );
    for rule in RULES {
        let Mapping {
            class,
            outcome,
            why,
        } = mapping(rule.kind);
        let event_type = match rule.kind.as_str() {
            Some(name) => alloc::format!("`{name}`"),
            None => String::from("*(any other)*"),
        };
        let feature = match class {
            ApplicationLifecycle(_, Some(feature)) => alloc::format!(" (feature: {feature})"),
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "| {} | {event_type} | {} ({}) | {} ({}) | {} | {why}{feature} |",
            rule.kind.provider(),
            class.caption(),
            class.uid(),
            class.activity_caption(),
            class.activity_id(),
            outcome.caption(),
        );
    }
    out
}
