//! Project VPCs, recorded: no network is made, and a service "in" one
//! still answers on 127.0.0.1 (its notifications say so). The platform's
//! rules hold: one VPC per cloud in a project, a service in a VPC is in
//! its cloud and its project, and a VPC with services in it cannot be
//! deleted (Aiven docs, "Manage project VPCs", "Manage services in a
//! VPC"). A new VPC is `APPROVED` for its first second, then `ACTIVE`.

use aiven_api::types::{CreateVpc, Vpc};

use super::*;
use crate::store::VpcRecord;

/// How long a new VPC reads `APPROVED` before it is `ACTIVE`.
const APPROVAL: Duration = Duration::from_secs(1);

/// The notification kind of a service in a VPC.
pub const VPC_NO_NETWORK: &str = "vpc_no_network";

fn vpc_missing(project: &str, id: &str) -> Error {
    Error::not_found(format!("Project VPC {id} not found in project {project}"))
}

impl Services {
    /// The VPC as the API reports it; `peering` for the replies that carry
    /// the peering connections (none: aiven-local makes none).
    fn vpc_reply(record: &VpcRecord, state: &str, peering: bool) -> Vpc {
        Vpc {
            project_vpc_id: record.id.clone(),
            cloud_name: record.cloud_name.clone(),
            network_cidr: record.network_cidr.clone(),
            state: state.to_owned(),
            create_time: record.create_time.clone(),
            update_time: record.create_time.clone(),
            peering_connections: peering.then(Vec::new),
        }
    }

    fn vpc_state(record: &VpcRecord) -> &'static str {
        let created = timestamp::parse(&record.create_time).ok();
        let age = created.map(|t| OffsetDateTime::now_utc() - t);
        if age.is_some_and(|age| age < APPROVAL) {
            "APPROVED"
        } else {
            "ACTIVE"
        }
    }

    pub fn create_vpc(&self, project: &str, request: &CreateVpc) -> Result<Vpc, Error> {
        offered_cloud(&request.cloud_name)?;
        names::check_cidr(&request.network_cidr)
            .map_err(|m| Error::invalid_at("network_cidr", m))?;
        if !request.peering_connections.is_empty() {
            return Err(Error::invalid_at(
                "peering_connections",
                "aiven-local makes no peering connections; create the VPC without them",
            ));
        }
        let record = VpcRecord {
            id: crate::random::uuid_v4(),
            cloud_name: request.cloud_name.clone(),
            network_cidr: request.network_cidr.clone(),
            create_time: now(),
        };
        let mut taken = None;
        self.update_project(project, |_, details| {
            taken = details
                .vpcs
                .iter()
                .find(|v| v.cloud_name == record.cloud_name)
                .map(|v| v.id.clone());
            if taken.is_none() {
                details.vpcs.push(record.clone());
            }
        })?;
        if let Some(existing) = taken {
            return Err(Error::conflict(format!(
                "Project {project} already has a VPC in {} ({existing})",
                record.cloud_name
            )));
        }
        Ok(Self::vpc_reply(&record, "APPROVED", true))
    }

    /// A project's VPCs. One that does not exist yet has none: aiven-local
    /// makes a project with its first service, and clients (`avn service
    /// create`) look for a VPC in the cloud before that service.
    pub fn vpcs(&self, project: &str) -> Result<Vec<Vpc>, Error> {
        let Some((_, details)) = self.store.project(project)? else {
            return Ok(Vec::new());
        };
        Ok(details
            .vpcs
            .iter()
            .map(|v| Self::vpc_reply(v, Self::vpc_state(v), false))
            .collect())
    }

    pub fn vpc(&self, project: &str, id: &str) -> Result<Vpc, Error> {
        let record = self.vpc_record(project, id)?;
        Ok(Self::vpc_reply(&record, Self::vpc_state(&record), true))
    }

    fn vpc_record(&self, project: &str, id: &str) -> Result<VpcRecord, Error> {
        let (_, details) = self.project(project)?;
        details
            .vpcs
            .into_iter()
            .find(|v| v.id == id)
            .ok_or_else(|| vpc_missing(project, id))
    }

    /// Deletes a VPC no service is in; the reply says `DELETING`, and the
    /// VPC is gone for the next read.
    pub fn delete_vpc(&self, project: &str, id: &str) -> Result<Vpc, Error> {
        let record = self.vpc_record(project, id)?;
        let inside: Vec<String> = self
            .store
            .services(Some(project))?
            .into_iter()
            .filter(|s| s.project_vpc_id.as_deref() == Some(id))
            .map(|s| s.name)
            .collect();
        if !inside.is_empty() {
            return Err(Error::conflict(format!(
                "Project VPC {id} has services in it ({}); move them out of the VPC or delete them first",
                inside.join(", ")
            )));
        }
        self.update_project(project, |_, details| details.vpcs.retain(|v| v.id != id))?;
        Ok(Self::vpc_reply(&record, "DELETING", true))
    }

    /// A service's VPC must be one of its project's, in the service's cloud.
    pub(super) fn check_vpc(&self, project: &str, vpc: &str, cloud: &str) -> Result<(), Error> {
        let record = self.vpc_record(project, vpc).map_err(|_| {
            Error::invalid_at(
                "project_vpc_id",
                format!("project {project} has no VPC {vpc}"),
            )
        })?;
        if record.cloud_name != cloud {
            return Err(Error::invalid_at(
                "project_vpc_id",
                format!(
                    "VPC {vpc} is in {}, the service in {cloud}; a service in a VPC is in the VPC's cloud",
                    record.cloud_name
                ),
            ));
        }
        Ok(())
    }

    /// The notification of a service in a VPC: recorded, no network made.
    pub(super) fn vpc_notice(record: &ServiceRecord) -> Option<ServiceNotification> {
        let vpc = record.project_vpc_id.as_deref()?;
        Some(engines::warning(
            VPC_NO_NETWORK,
            format!(
                "The service is recorded in project VPC {vpc}, but aiven-local makes no network: \
                 it answers on 127.0.0.1 as any service does."
            ),
        ))
    }
}
