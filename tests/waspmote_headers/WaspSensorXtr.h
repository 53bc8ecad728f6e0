/* Declaration-only stand-in for part of the Waspmote API, for openpcs's compile check. Not the Waspmote API. */
#ifndef OPENPCS_STUB_WASPSENSORXTR_H
#define OPENPCS_STUB_WASPSENSORXTR_H

#include "Waspmote.h"
#include "ModbusMaster.h"

/* the board's sockets (not the SOCKET_x values) */
#define XTR_SOCKET_A 7
#define XTR_SOCKET_B 6
#define XTR_SOCKET_C 5
#define XTR_SOCKET_D 4
#define XTR_SOCKET_E 3
#define XTR_SOCKET_F 2

/* dendrometer types */
#define DENDRO_DD 11
#define DENDRO_DF 15
#define DENDRO_DC3 25

/* what calibrationProcess() calibrates (Aqualabo probes) */
#define TEMPERATURE 5
#define OXYGEN 2
#define PH 2
#define REDOX 3
#define CONDUCTIVITY 2
#define NTU_TURBIDITY 2
#define SLUDGE_BLANKET 2
#define FAU_TURBIDITY 4

/* ---- values a read() leaves in the probe object (only the members openpcs reads) ---- */
struct sensor5TEVector
{
    float dielectricPermittivity;
    float electricalConductivity;
    float temperature;
};

struct sensor5TMVector
{
    float dielectricPermittivity;
    float temperature;
};

struct sensorGS3Vector
{
    float dielectricPermittivity;
    float electricalConductivity;
    float temperature;
};

struct sensorVP4Vector
{
    float vaporPressure;
    float temperature;
    float relativeHumidity;
    float atmosphericPressure;
};

struct sensorMPS6Vector
{
    float waterPotential;
    float temperature;
};

struct sensorSO411Vector
{
    float calibratedOxygen;
    float bodyTemperature;
    float milliVolts;
};

struct sensorSI411Vector
{
    float targetTemperature;
    float sensorBodyTemperature;
    float targetMilliVolts;
};

struct sensorSF421Vector
{
    float budTemperature;
    float leafTemperature;
};

struct sensorTEROS11Vector
{
    float calibratedCountsVWC;
    float temperature;
};

struct sensorTEROS12Vector
{
    float calibratedCountsVWC;
    float electricalConductivity;
    float temperature;
};

struct DatasolMETVector
{
    uint16_t radiation;
    uint16_t semicell1Radiation;
    uint16_t semicell2Radiation;
    float environmentTemperature;
    float panelTemperature;
    float windSpeed;
    float peakSunHours;
};

struct VegaPulsC21Vector
{
    float distance;
    float temperature;
};

struct sensorOPTODVector
{
    float temperature;
    float oxygenSAT;
    float oxygenMGL;
    float oxygenPPM;
};

struct sensorPHEHTVector
{
    float temperature;
    float pH;
    float redox;
    float pHMV;
};

struct sensorC4EVector
{
    float temperature;
    float conductivity;
    float salinity;
    float totalDissolvedSolids;
};

struct sensorNTUVector
{
    float temperature;
    float turbidityNTU;
    float turbidityMGL;
};

struct sensorCTZNVector
{
    float temperature;
    float conductivity;
    float salinity;
    float conductivityNotCompensated;
};

struct sensorMES5Vector
{
    float temperature;
    float sludgeBlanket;
    float suspendedSolids;
    float turbidityFAU;
};

struct sensorEurekaVector
{
    float ph;
    float orp;
    float depth;
    float spCond;
    float turb;
    float chl;
    float nh4;
    float bg;
    float no3;
    float cl;
    float hdo;
    float temperature;
};

struct weatherStationVector
{
    uint16_t windDirection;
    uint16_t avgWindDirection;
    float windSpeed;
    float avgWindSpeed;
    uint16_t avgWindGustDirection;
    float avgWindGustSpeed;
    float precipTotal;
    float precipIntensity;
    uint8_t precipStatus;
    uint16_t solarRadiation;
    float pressure;
    uint16_t relativeHumidity;
    float temperature;
    float dewpoint;
};

/* ---- SDI-12 probes: read() gives 1 when the values are valid ---- */
class Decagon_5TE
{
public:
    Decagon_5TE(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensor5TEVector sensor5TE;
};

class Decagon_5TM
{
public:
    Decagon_5TM(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensor5TMVector sensor5TM;
};

class Decagon_GS3
{
public:
    Decagon_GS3(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorGS3Vector sensorGS3;
};

class Decagon_VP4
{
public:
    Decagon_VP4(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorVP4Vector sensorVP4;
};

class Decagon_MPS6
{
public:
    Decagon_MPS6(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorMPS6Vector sensorMPS6;
};

class Apogee_SO411
{
public:
    Apogee_SO411(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorSO411Vector sensorSO411;
};

class Apogee_SI411
{
public:
    Apogee_SI411(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorSI411Vector sensorSI411;
};

class Apogee_SF421
{
public:
    Apogee_SF421(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorSF421Vector sensorSF421;
};

class Meter_TEROS11
{
public:
    Meter_TEROS11(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorTEROS11Vector sensorTEROS11;
};

class Meter_TEROS12
{
public:
    Meter_TEROS12(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorTEROS12Vector sensorTEROS12;
};

class VegaPuls_C21
{
public:
    VegaPuls_C21(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    VegaPulsC21Vector VegaPulsC21;
};

/* ---- analog probes: read() gives the value and keeps it in a member ---- */
class Apogee_SU100
{
public:
    Apogee_SU100(uint8_t socket);
    uint8_t ON();
    void OFF();
    float read();
    float radiation;
};

class Apogee_SQ110
{
public:
    Apogee_SQ110(uint8_t socket);
    uint8_t ON();
    void OFF();
    float read();
    float radiation;
};

class Apogee_SP510
{
public:
    Apogee_SP510(uint8_t socket);
    uint8_t ON();
    void OFF();
    float read();
    float radiation;
};

class _4_20mA
{
public:
    _4_20mA(uint8_t socket);
    uint8_t ON();
    void OFF();
    float read();
    float current;  /* mA */
};

/* ---- probes with a fixed socket ---- */
class leafWetness
{
public:
    leafWetness();
    void ON();
    void OFF();
    uint8_t read();
    float wetness;
};

class dendrometer
{
public:
    dendrometer();
    dendrometer(uint8_t type);  /* DENDRO_DD, DENDRO_DF or DENDRO_DC3 */
    void ON();
    void OFF();
    float read();
    float diameter;  /* mm */
};

class DatasolMET
{
public:
    DatasolMET();
    void ON();
    void OFF();
    uint8_t read();
    DatasolMETVector sensorDatasolMET;
};

class Eureka_Manta
{
public:
    Eureka_Manta();
    uint8_t ON();
    void OFF();
    uint8_t read();
    sensorEurekaVector sensorEureka;
};

/* Gill MaxiMet (GMX) weather station */
class weatherStation
{
public:
    weatherStation();
    void ON();
    void OFF();
    uint8_t read();
    weatherStationVector gmx;
};

/* ---- Aqualabo probes (Modbus in socket E, where they can be calibrated) ---- */
class AqualaboWaterXtr
{
public:
    uint8_t init();  /* 0 when the probe answered */
};

class Aqualabo_OPTOD : public AqualaboWaterXtr
{
public:
    Aqualabo_OPTOD(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorOPTODVector sensorOPTOD;
};

class Aqualabo_PHEHT : public AqualaboWaterXtr
{
public:
    Aqualabo_PHEHT(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorPHEHTVector sensorPHEHT;
};

class Aqualabo_C4E : public AqualaboWaterXtr
{
public:
    Aqualabo_C4E(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorC4EVector sensorC4E;
};

class Aqualabo_NTU : public AqualaboWaterXtr
{
public:
    Aqualabo_NTU(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorNTUVector sensorNTU;
};

class Aqualabo_CTZN : public AqualaboWaterXtr
{
public:
    Aqualabo_CTZN(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorCTZNVector sensorCTZN;
};

class Aqualabo_MES5 : public AqualaboWaterXtr
{
public:
    Aqualabo_MES5(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint8_t read();
    void calibrationProcess(uint8_t parameter);
    sensorMES5Vector sensorMES5;
};

/* ---- the board's I2C probes (sockets A and D) ---- */
class bme
{
public:
    bme(uint8_t socket);
    uint8_t ON();
    void OFF();
    float getTemperature();
    float getHumidity();
    float getPressure();
};

class ultrasound
{
public:
    ultrasound(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint16_t getDistance();
};

class luxes
{
public:
    luxes(uint8_t socket);
    uint8_t ON();
    void OFF();
    uint32_t getLuminosity();
};

#endif
