#ifndef AUDIENCESYNC_CARGON2_SHIM_H
#define AUDIENCESYNC_CARGON2_SHIM_H
#include <argon2.h>
#endif
