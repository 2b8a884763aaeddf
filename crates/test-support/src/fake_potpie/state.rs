//! The fake's memory: projects, conversations, runs and the request log.

use super::*;

#[derive(Debug, Clone)]
pub(crate) struct Project {
    pub(crate) repo: String,
    pub(crate) branch: Option<String>,
    /// The commit it was parsed at (`commit_id`, else the branch head of the time).
    pub(crate) commit: Option<String>,
    /// Pinned to a commit the remote does not have: ends in `error`.
    pub(crate) fails: bool,
    pub(crate) polls: u32,
    pub(crate) deleted: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Conversation {
    pub(crate) project_id: String,
    pub(crate) agent_id: String,
    pub(crate) hidden: bool,
    pub(crate) deleted: bool,
}

/// One agent run: a Celery task writing to a Redis stream, read by any number of stream
/// connections, going on whether or not anyone reads.
pub(crate) struct Run {
    pub(crate) conversation: String,
    pub(crate) id: String,
    /// Every object produced so far (the placeholder first).
    pub(crate) events: Vec<String>,
    pub(crate) finished: bool,
    /// Sequence number of its newest event (which run `/stop` without a session picks).
    pub(crate) newest: u64,
    /// Stream connections attached so far.
    pub(crate) attached: usize,
    /// Set by `/stop`: the producer ends.
    pub(crate) stop: watch::Sender<bool>,
    /// Bumped on every change, so readers wake up.
    pub(crate) changed: watch::Sender<u64>,
}

pub(crate) struct State {
    pub(crate) cfg: FakeConfig,
    pub(crate) projects: HashMap<String, Project>,
    /// In the order they were registered (a lookup by branch takes the first).
    pub(crate) project_order: Vec<String>,
    pub(crate) conversations: HashMap<String, Conversation>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) runs: Vec<Run>,
    /// Run ids ever reserved, per conversation (the server's `SET NX` reservations).
    pub(crate) reserved: std::collections::HashSet<(String, String)>,
    /// Runs that `/stop` ended, `(conversation, run id)`.
    pub(crate) stopped: Vec<(String, String)>,
    pub(crate) open_streams: usize,
    pub(crate) next_id: u64,
    pub(crate) seq: u64,
    /// When each write of a message stream completed (for latency benchmarks).
    pub(crate) stream_writes: Vec<std::time::Instant>,
}

impl State {
    pub(crate) fn new(cfg: FakeConfig) -> Self {
        State {
            cfg,
            projects: HashMap::new(),
            project_order: Vec::new(),
            conversations: HashMap::new(),
            requests: Vec::new(),
            runs: Vec::new(),
            reserved: std::collections::HashSet::new(),
            stopped: Vec::new(),
            open_streams: 0,
            next_id: 1,
            seq: 0,
            stream_writes: Vec::new(),
        }
    }

    /// A UUIDv7-shaped id, unique within this server.
    pub(crate) fn new_id(&mut self) -> String {
        let n = self.next_id;
        self.next_id += 1;
        let r = fastrand::u64(..);
        format!(
            "0196f0c2-{:04x}-7{:03x}-8{:03x}-{:012x}",
            (n >> 16) & 0xffff,
            n & 0xfff,
            (r >> 48) & 0xfff,
            r & 0xffff_ffff_ffff
        )
    }

    pub(crate) fn status_of(&self, project: &Project) -> String {
        let mut left = project.polls;
        for (name, n) in &self.cfg.stages {
            if left < *n {
                return name.clone();
            }
            left -= n;
        }
        if project.fails {
            return "error".to_string();
        }
        self.cfg.final_status.clone()
    }

    /// `ready` at the commit the branch head is at (or at any commit when the fake has no head).
    pub(crate) fn latest(&self, project: &Project) -> bool {
        self.status_of(project) == "ready"
            && match (&self.cfg.branch_head, &project.commit) {
                (Some(head), Some(commit)) => head == commit,
                (Some(_), None) => false,
                (None, _) => true,
            }
    }

    /// The first live project of `repo` at `commit` (exact), else on `branch`.
    pub(crate) fn find_project(
        &self,
        repo: &str,
        branch: Option<&str>,
        commit: Option<&str>,
    ) -> Option<String> {
        self.project_order
            .iter()
            .find(|id| {
                let p = &self.projects[*id];
                !p.deleted
                    && p.repo == repo
                    && match commit {
                        Some(c) => p.commit.as_deref() == Some(c),
                        None => p.branch.as_deref() == branch,
                    }
            })
            .cloned()
    }

    pub(crate) fn add_project(&mut self, project: Project) -> String {
        let id = self.new_id();
        self.projects.insert(id.clone(), project);
        self.project_order.push(id.clone());
        id
    }

    pub(crate) fn run(&mut self, conversation: &str, run_id: &str) -> Option<&mut Run> {
        self.runs
            .iter_mut()
            .find(|r| r.conversation == conversation && r.id == run_id)
    }

    /// Ends a run for good, as `/stop` does: its stream keys are deleted.
    pub(crate) fn remove_run(&mut self, conversation: &str, run_id: &str) -> Option<Run> {
        let i = self
            .runs
            .iter()
            .position(|r| r.conversation == conversation && r.id == run_id)?;
        let run = self.runs.remove(i);
        let _ = run.stop.send(true);
        let next = *run.changed.borrow() + 1;
        let _ = run.changed.send(next);
        Some(run)
    }
}
