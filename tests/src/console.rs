//! A browser-like client of the staff console: keeps cookies, reads the CSRF token out of each
//! page it fetches, and posts forms with it.

use crate::TestServer;
use reqwest::StatusCode;
use url::Url;

pub struct Console {
    pub http: reqwest::Client,
    pub base: Url,
    /// The CSRF token from the last page that had one.
    pub csrf: String,
}

/// What a page answered.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
    pub csp: Option<String>,
}

fn csrf_in(body: &str) -> Option<String> {
    let at = body.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let end = body[at..].find('"')?;
    Some(body[at..at + end].to_owned())
}

impl Console {
    pub fn new(server: &TestServer) -> Console {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(kiosk::net::pinned_tls_config(server.fingerprint))
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("console client builds");
        Console {
            http,
            base: server.url.clone(),
            csrf: String::new(),
        }
    }

    async fn answer(&mut self, resp: reqwest::Response) -> Answer {
        let status = resp.status();
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let csp = resp
            .headers()
            .get("content-security-policy")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.text().await.expect("a body");
        if let Some(token) = csrf_in(&body) {
            self.csrf = token;
        }
        Answer {
            status,
            location,
            body,
            csp,
        }
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        let resp = self
            .http
            .get(self.base.join(path).expect("url"))
            .send()
            .await
            .expect("the server answers");
        self.answer(resp).await
    }

    /// Posts a form with the current CSRF token added.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let csrf = self.csrf.clone();
        form.push(("_csrf", &csrf));
        let resp = self
            .http
            .post(self.base.join(path).expect("url"))
            .form(&form)
            .send()
            .await
            .expect("the server answers");
        self.answer(resp).await
    }

    /// Posts a multipart form (an upload) with the current CSRF token added: `fields` as text
    /// parts and `file` as (part name, file name, bytes).
    pub async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, Vec<u8>),
    ) -> Answer {
        let mut form = reqwest::multipart::Form::new().text("_csrf", self.csrf.clone());
        for (name, value) in fields {
            form = form.text(name.to_string(), value.to_string());
        }
        let (name, file_name, bytes) = file;
        form = form.part(
            name.to_owned(),
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        let resp = self
            .http
            .post(self.base.join(path).expect("url"))
            .multipart(form)
            .send()
            .await
            .expect("the server answers");
        self.answer(resp).await
    }

    /// Uploads a catalogue to the library's import, which starts a job, and waits (at most
    /// 60 s) on the job's page until the job has ended; returns that page.
    pub async fn import_catalog(
        &mut self,
        fields: &[(&str, &str)],
        file: (&str, &str, Vec<u8>),
    ) -> Answer {
        let started = self.upload("/console/library/import", fields, file).await;
        let job = match started.location {
            Some(at) if at.starts_with("/console/library/import/") => at,
            _ => panic!("the upload starts a job: {started:?}"),
        };
        for _ in 0..600 {
            let page = self.get(&job).await;
            if !page.body.contains("data-running") {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("the import job {job} did not end within 60 s");
    }

    /// Posts a form without the CSRF token (what a forged request looks like).
    pub async fn post_without_csrf(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let resp = self
            .http
            .post(self.base.join(path).expect("url"))
            .form(fields)
            .send()
            .await
            .expect("the server answers");
        self.answer(resp).await
    }

    /// Signs in through the login page; returns where the server sent the browser.
    pub async fn login(&mut self, username: &str, password: &str) -> Answer {
        self.get("/console/login").await;
        self.post(
            "/console/login",
            &[("username", username), ("password", password)],
        )
        .await
    }
}
