//! Projects and the lists the API and the Console read: the domain's side
//! of them, so that no handler reaches into the store.

use crate::error::Error;
use crate::store::{ProjectRecord, ServiceRecord, StoreError};

use super::Services;

pub const DEFAULT_CLOUD: &str = "google-europe-west1";

fn project_missing(project: &str) -> Error {
    Error::not_found(format!("Project {project} does not exist"))
}

impl Services {
    /// Every project's name.
    pub fn project_names(&self) -> Result<Vec<String>, Error> {
        Ok(self.store.projects()?)
    }

    /// A project's default cloud and details; a 404 when there is none.
    pub fn project(&self, project: &str) -> Result<(String, ProjectRecord), Error> {
        self.store
            .project(project)?
            .ok_or_else(|| project_missing(project))
    }

    /// Makes a project; a conflict when the name is taken.
    pub fn create_project(
        &self,
        project: &str,
        cloud: &str,
        record: &ProjectRecord,
    ) -> Result<(), Error> {
        self.store
            .create_project(project, cloud, record)
            .map_err(|err| match err {
                StoreError::Conflict => {
                    Error::conflict(format!("Project {project} already exists"))
                }
                other => other.into(),
            })
    }

    /// Changes a project's default cloud and details with `change`.
    pub fn update_project(
        &self,
        project: &str,
        change: impl FnOnce(&mut String, &mut ProjectRecord),
    ) -> Result<(String, ProjectRecord), Error> {
        self.store
            .update_project(project, change)
            .map_err(|err| match err {
                StoreError::Missing => project_missing(project),
                other => other.into(),
            })
    }

    /// Deletes a project that has no services left, and its files.
    pub fn delete_project(&self, project: &str) -> Result<(), Error> {
        self.store
            .delete_project(project)
            .map_err(|err| match err {
                StoreError::Conflict => {
                    Error::conflict(format!("Project {project} has services; delete them first"))
                }
                StoreError::Missing => project_missing(project),
                other => other.into(),
            })?;
        self.remove_project_files(project);
        Ok(())
    }

    /// The services of `project`, or of every project.
    pub fn services_of(&self, project: Option<&str>) -> Result<Vec<ServiceRecord>, Error> {
        Ok(self.store.services(project)?)
    }

    /// The forks made from `project`/`name`, as `project/name`.
    pub fn forks_of(&self, project: &str, name: &str) -> Result<Vec<String>, Error> {
        let forks = self.store.services(None)?.into_iter().filter(|r| {
            r.fork
                .as_ref()
                .is_some_and(|f| f.project == project && f.service == name)
        });
        Ok(forks.map(|r| format!("{}/{}", r.project, r.name)).collect())
    }
}
