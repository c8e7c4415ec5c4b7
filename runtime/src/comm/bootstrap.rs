//! Who a process is on the mesh, before any transport exists: its rank, the world size, and where
//! the two came from. The in-process mesh hands out one [`Bootstrap`] per rank
//! ([`super::LocalMesh::bootstraps`]); a multi-process launcher (mpirun, torchrun, a batch
//! scheduler) passes them in the environment ([`Bootstrap::from_env`]). A communicator is
//! constructed from a bootstrap, so the transport never decides ranks itself.

use std::fmt;

use super::CommError;

/// Where a [`Bootstrap`]'s rank and world size came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BootstrapSource {
    /// Handed out by an in-process mesh (every rank a thread of this process).
    InProcess,
    /// Read from two environment variables.
    Env {
        /// The variable that held the rank.
        rank_var: &'static str,
        /// The variable that held the world size.
        size_var: &'static str,
    },
}

impl fmt::Display for BootstrapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BootstrapSource::InProcess => f.write_str("the in-process mesh"),
            BootstrapSource::Env { rank_var, size_var } => write!(f, "the environment ({rank_var}, {size_var})"),
        }
    }
}

/// A process's (rank, world size) and their origin; `rank < world_size`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bootstrap {
    rank: usize,
    world_size: usize,
    source: BootstrapSource,
}

/// The environment variable pairs [`Bootstrap::from_env`] reads, in order of preference: parc's
/// own, Open MPI's, the PMI launchers' (MPICH, Slurm's srun), torchrun's.
pub const ENV_VARS: [(&str, &str); 4] = [
    ("PARC_RANK", "PARC_WORLD_SIZE"),
    ("OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"),
    ("PMI_RANK", "PMI_SIZE"),
    ("RANK", "WORLD_SIZE"),
];

impl Bootstrap {
    /// Rank `rank` of a world of `world_size` ranks; fails unless `rank < world_size`.
    pub fn new(rank: usize, world_size: usize, source: BootstrapSource) -> Result<Bootstrap, CommError> {
        if rank >= world_size {
            return Err(CommError::Bootstrap {
                detail: format!("rank {rank} from {source} is not below the world size {world_size}"),
            });
        }
        Ok(Bootstrap { rank, world_size, source })
    }

    /// This process's global rank.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub fn world_size(&self) -> usize {
        self.world_size
    }

    /// Where the two came from.
    pub fn source(&self) -> &BootstrapSource {
        &self.source
    }

    /// The rank and world size from the process environment (the first pair of [`ENV_VARS`] that
    /// is set); `None` when no launcher set them.
    pub fn from_env() -> Result<Option<Bootstrap>, CommError> {
        Bootstrap::from_vars(|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env), reading variables through `get`. A pair with only one
    /// variable set, or a value that is not a number, is an error naming the variable.
    pub fn from_vars(get: impl Fn(&str) -> Option<String>) -> Result<Option<Bootstrap>, CommError> {
        for (rank_var, size_var) in ENV_VARS {
            let (rank, size) = (get(rank_var), get(size_var));
            let (rank, size) = match (rank, size) {
                (None, None) => continue,
                (Some(r), Some(s)) => (r, s),
                (r, _) => {
                    let (set, unset) = if r.is_some() { (rank_var, size_var) } else { (size_var, rank_var) };
                    return Err(CommError::Bootstrap {
                        detail: format!("{set} is set but {unset} is not; a launcher sets both"),
                    });
                }
            };
            let number = |var: &str, value: &str| {
                value.trim().parse::<usize>().map_err(|_| CommError::Bootstrap {
                    detail: format!("{var}={value:?} is not a non-negative integer"),
                })
            };
            let (rank, world_size) = (number(rank_var, &rank)?, number(size_var, &size)?);
            return Bootstrap::new(rank, world_size, BootstrapSource::Env { rank_var, size_var }).map(Some);
        }
        Ok(None)
    }
}

impl fmt::Display for Bootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "rank {} of {} (from {})", self.rank, self.world_size, self.source)
    }
}
