//! Static IP addresses, recorded: nothing is routed to them, and their
//! addresses come from 198.18.0.0/15, a range set aside for benchmarks
//! that no network routes. The platform's lifecycle holds (the official
//! provider's `aiven_static_ip` and the API's `StaticIPStateType`): a new
//! address is `created`; associated with a service of its cloud it is
//! `available`, and `assigned` once that service's `static_ips` setting is
//! on; an assigned one can be neither dissociated nor deleted, and a
//! protected one is not deleted. Deleting a service leaves its addresses
//! with the project, dissociated, as the platform keeps them.

use aiven_api::types::{CreateStaticIp, StaticIp};

use super::*;
use crate::store::StaticIpRecord;

fn missing(project: &str, id: &str) -> Error {
    Error::not_found(format!(
        "Static IP address {id} not found in project {project}"
    ))
}

/// An address in 198.18.0.0/15 from the kernel's randomness.
fn new_address() -> String {
    let mut bytes = [0u8; 3];
    crate::random::fill_random(&mut bytes);
    format!(
        "198.{}.{}.{}",
        18 + (bytes[0] & 1),
        bytes[1],
        bytes[2].max(1)
    )
}

impl Services {
    /// The address as the API reports it, its state from the service it
    /// is associated with.
    fn static_ip_reply(&self, project: &str, record: &StaticIpRecord) -> StaticIp {
        let state = match &record.service {
            None => "created",
            Some(service) => {
                let on = self
                    .store
                    .service(project, service)
                    .ok()
                    .flatten()
                    .is_some_and(|s| {
                        s.user_config.get("static_ips").and_then(Value::as_bool) == Some(true)
                    });
                if on { "assigned" } else { "available" }
            }
        };
        StaticIp {
            static_ip_address_id: record.id.clone(),
            cloud_name: record.cloud_name.clone(),
            ip_address: record.ip_address.clone(),
            service_name: record.service.clone().unwrap_or_default(),
            state: state.to_owned(),
            termination_protection: record.termination_protection,
        }
    }

    pub fn create_static_ip(
        &self,
        project: &str,
        request: &CreateStaticIp,
    ) -> Result<StaticIp, Error> {
        offered_cloud(&request.cloud_name)?;
        let record = StaticIpRecord {
            id: format!(
                "ip{}",
                crate::random::uuid_v4().replace('-', "")[..16].to_owned()
            ),
            cloud_name: request.cloud_name.clone(),
            ip_address: new_address(),
            termination_protection: request.termination_protection.unwrap_or(false),
            service: None,
        };
        self.update_project(project, |_, details| {
            details.static_ips.push(record.clone())
        })?;
        Ok(self.static_ip_reply(project, &record))
    }

    /// A project's addresses; one that does not exist yet has none (see
    /// `vpcs`).
    pub fn static_ips(&self, project: &str) -> Result<Vec<StaticIp>, Error> {
        let Some((_, details)) = self.store.project(project)? else {
            return Ok(Vec::new());
        };
        Ok(details
            .static_ips
            .iter()
            .map(|ip| self.static_ip_reply(project, ip))
            .collect())
    }

    fn static_ip(&self, project: &str, id: &str) -> Result<StaticIp, Error> {
        self.static_ips(project)?
            .into_iter()
            .find(|ip| ip.static_ip_address_id == id)
            .ok_or_else(|| missing(project, id))
    }

    pub fn delete_static_ip(&self, project: &str, id: &str) -> Result<StaticIp, Error> {
        let ip = self.static_ip(project, id)?;
        if ip.termination_protection {
            return Err(Error::forbidden(format!(
                "Static IP address {id} has termination protection; turn it off before deleting it"
            )));
        }
        if ip.state == "assigned" {
            return Err(Error::conflict(format!(
                "Static IP address {id} is assigned to {}; it stays bound to its node until the node is recycled",
                ip.service_name
            )));
        }
        self.update_project(project, |_, details| {
            details.static_ips.retain(|r| r.id != id)
        })?;
        Ok(StaticIp {
            state: "deleting".to_owned(),
            ..ip
        })
    }

    /// Associates an address with a service of its cloud.
    pub fn associate_static_ip(
        &self,
        project: &str,
        id: &str,
        service: &str,
    ) -> Result<StaticIp, Error> {
        let record = self.get(project, service)?;
        let ip = self.static_ip(project, id)?;
        if ip.cloud_name != record.cloud {
            return Err(Error::invalid_at(
                "service_name",
                format!(
                    "static IP address {id} is in {}, service {service} in {}; they must be in the same cloud",
                    ip.cloud_name, record.cloud
                ),
            ));
        }
        if !ip.service_name.is_empty() && ip.service_name != service {
            return Err(Error::conflict(format!(
                "Static IP address {id} is associated with {}; dissociate it first",
                ip.service_name
            )));
        }
        self.set_static_ip_service(project, id, Some(service))
    }

    /// Dissociates an address from its service, unless it is assigned.
    pub fn dissociate_static_ip(&self, project: &str, id: &str) -> Result<StaticIp, Error> {
        let ip = self.static_ip(project, id)?;
        if ip.state == "assigned" {
            return Err(Error::conflict(format!(
                "Static IP address {id} is assigned to {}; it stays bound to its node until the node is recycled",
                ip.service_name
            )));
        }
        self.set_static_ip_service(project, id, None)
    }

    /// Turns an address's termination protection on or off
    /// (`ProjectStaticIPPatch`); nothing else about it changes.
    pub fn patch_static_ip(
        &self,
        project: &str,
        id: &str,
        termination_protection: Option<bool>,
    ) -> Result<StaticIp, Error> {
        self.change_static_ip(project, id, |ip| {
            if let Some(protected) = termination_protection {
                ip.termination_protection = protected;
            }
        })
    }

    fn set_static_ip_service(
        &self,
        project: &str,
        id: &str,
        service: Option<&str>,
    ) -> Result<StaticIp, Error> {
        self.change_static_ip(project, id, |ip| ip.service = service.map(str::to_owned))
    }

    /// Changes one address's record and answers with it as it now is.
    fn change_static_ip(
        &self,
        project: &str,
        id: &str,
        change: impl FnOnce(&mut StaticIpRecord),
    ) -> Result<StaticIp, Error> {
        let mut changed = None;
        self.update_project(project, |_, details| {
            if let Some(ip) = details.static_ips.iter_mut().find(|r| r.id == id) {
                change(ip);
                changed = Some(ip.clone());
            }
        })?;
        let record = changed.ok_or_else(|| missing(project, id))?;
        Ok(self.static_ip_reply(project, &record))
    }

    /// The addresses a new service asks for: each its project's, in its
    /// cloud and free; checked before the service is made.
    pub(super) fn check_static_ips(
        &self,
        project: &str,
        cloud: &str,
        ids: &[String],
    ) -> Result<(), Error> {
        let known = if ids.is_empty() {
            Vec::new()
        } else {
            self.static_ips(project)?
        };
        for id in ids {
            let ip = known
                .iter()
                .find(|ip| &ip.static_ip_address_id == id)
                .ok_or_else(|| {
                    Error::invalid_at(
                        "static_ips",
                        format!("project {project} has no static IP address {id}"),
                    )
                })?;
            if ip.cloud_name != cloud {
                return Err(Error::invalid_at(
                    "static_ips",
                    format!(
                        "static IP address {id} is in {}, the service in {cloud}",
                        ip.cloud_name
                    ),
                ));
            }
            if !ip.service_name.is_empty() {
                return Err(Error::conflict(format!(
                    "Static IP address {id} is associated with {}",
                    ip.service_name
                )));
            }
        }
        Ok(())
    }

    /// A deleted service's addresses stay with the project, dissociated.
    pub(super) fn release_static_ips(&self, project: &str, service: &str) -> Result<(), Error> {
        if self.store.project(project)?.is_none() {
            return Ok(());
        }
        self.update_project(project, |_, details| {
            for ip in details
                .static_ips
                .iter_mut()
                .filter(|ip| ip.service.as_deref() == Some(service))
            {
                ip.service = None;
            }
        })
        .map(drop)
    }
}
